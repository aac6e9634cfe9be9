"""Lets the example tests import the tiny app beside them (``receiver.py``)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
