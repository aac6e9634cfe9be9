//! stdout to a pipe, written in whole lines, so that a run ended while the
//! pipe's reader has stopped reading leaves no line cut in two (issue 12,
//! class 5).
//!
//! After SIGINT or SIGTERM the watchdog (`signals`) ends jr a second later,
//! wherever jr is. A write blocked on a full pipe has by then put part of its
//! bytes in the pipe, and the reader would get half a line. So on a pipe no
//! write may block part-way:
//! - lines are grouped into writes of at most [`PIPE_BUF`] bytes, which POSIX
//!   makes atomic on a pipe: all their bytes go in, or none;
//! - a longer line waits until the reader has emptied the pipe (on Linux:
//!   `FIONREAD` says 0 bytes unread) and then goes in one write that does not
//!   block, since an empty pipe has all its pages free (`F_GETPIPE_SZ`).
//!   Waiting for less is not safe: the pipe counts pages, not bytes, and a
//!   write starts a new page whenever its tail does not fit the last one, so
//!   its free bytes cannot be told from outside. A line longer than the pipe
//!   grows it first, up to [`MAX_PIPE_BYTES`] (Linux's default `pipe-max-size`
//!   for unprivileged users).
//!
//! What this cannot protect, and is written as it comes: a line longer than
//! [`MAX_PIPE_BYTES`], and on systems other than Linux a line longer than
//! [`PIPE_BUF`]. A terminal or a file is written straight through: neither
//! stays blocked on a reader.

use std::io::{self, Write};
#[cfg(unix)]
use std::os::fd::AsFd;

/// The size up to which POSIX makes a write to a pipe atomic (4,096 bytes on
/// Linux; POSIX requires at least 512).
pub const PIPE_BUF: usize = 4096;

/// The most a line may be held back for, in bytes, and the most the pipe is
/// grown to: 1 MiB, Linux's default `/proc/sys/fs/pipe-max-size`.
pub const MAX_PIPE_BYTES: usize = 1 << 20;

/// A writer that, when `W` is a pipe, writes only whole lines in writes that
/// cannot block part-way (see the module docs); anything else goes straight
/// to `W`. The bytes after the last line end are held until the line ends,
/// until more than [`MAX_PIPE_BYTES`] are held, or until [`Write::flush`].
pub struct WholeLines<W: Write> {
    inner: W,
    pipe: bool,
    held: Vec<u8>,
}

#[cfg(unix)]
impl<W: Write + AsFd> WholeLines<W> {
    /// Wraps `inner`, which is checked once for being a pipe (a FIFO).
    pub fn new(inner: W) -> Self {
        let pipe = rustix::fs::fstat(inner.as_fd())
            .is_ok_and(|st| rustix::fs::FileType::from_raw_mode(st.st_mode).is_fifo());
        WholeLines {
            inner,
            pipe,
            held: Vec::new(),
        }
    }
}

#[cfg(not(unix))]
impl<W: Write> WholeLines<W> {
    /// Wraps `inner`, written straight through (see the module docs).
    pub fn new(inner: W) -> Self {
        WholeLines {
            inner,
            pipe: false,
            held: Vec::new(),
        }
    }
}

impl<W: Write + Room> WholeLines<W> {
    /// Writes `held[..end]` (which ends at a line end, or is everything held)
    /// in writes that cannot block part-way, and drops it from `held`. On an
    /// error what is held is dropped too: the reader has gone or stdout
    /// failed, and the sink writes nothing more.
    fn write_held(&mut self, end: usize) -> io::Result<()> {
        let mut start = 0;
        while start < end {
            let len = chunk_len(&self.held[start..end]);
            if len > PIPE_BUF {
                self.inner.wait_for_room(len);
            }
            if let Err(e) = self.inner.write_all(&self.held[start..start + len]) {
                self.held.clear();
                return Err(e);
            }
            start += len;
        }
        self.held.drain(..end);
        Ok(())
    }
}

impl<W: Write + Room> Write for WholeLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.pipe {
            return self.inner.write(buf);
        }
        self.held.extend_from_slice(buf);
        let end = if self.held.len() > MAX_PIPE_BYTES {
            self.held.len()
        } else {
            self.held
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1)
        };
        self.write_held(end)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pipe {
            self.write_held(self.held.len())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for WholeLines<W> {
    fn drop(&mut self) {
        if !self.held.is_empty() {
            let _ = self.inner.write_all(&self.held);
            let _ = self.inner.flush();
        }
    }
}

/// The length of the next write from `bytes`: as many whole lines as fit in
/// [`PIPE_BUF`], or else the first line alone (or all of `bytes` when no line
/// ends in them).
fn chunk_len(bytes: &[u8]) -> usize {
    let mut len = 0;
    while len < bytes.len() {
        let line_end = bytes[len..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| len + at + 1);
        if len > 0 && line_end > PIPE_BUF {
            break;
        }
        len = line_end;
    }
    len
}

/// Waiting until a pipe has room for a whole write (see the module docs).
pub trait Room {
    /// Returns once a write of `len` bytes cannot block part-way (the pipe
    /// is empty and holds `len`), the pipe can never hold them, the reader
    /// has gone (the write then fails), or the pipe's state cannot be read. Waits as long as the reader does not
    /// read, like a blocking write; the signal watchdog bounds it.
    fn wait_for_room(&mut self, len: usize);
}

#[cfg(target_os = "linux")]
impl<T: AsFd> Room for T {
    fn wait_for_room(&mut self, len: usize) {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let fd = self.as_fd();
        let Ok(mut size) = rustix::pipe::fcntl_getpipe_size(fd) else {
            return;
        };
        if size < len {
            let want = len.next_power_of_two().min(MAX_PIPE_BYTES);
            size = rustix::pipe::fcntl_setpipe_size(fd, want).unwrap_or(size);
            if size < len {
                return;
            }
        }
        // A pipe says it is writable when one page is free, so poll only
        // for a gone reader (POLLERR is always reported), 1 ms at a time,
        // backing off to 20 ms while the reader stays away. A signal
        // interrupts the poll (EINTR) and the wait goes on: the watchdog
        // ends jr between whole lines.
        let mut wait_ms = 1;
        loop {
            match rustix::io::ioctl_fionread(fd) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: wait_ms * 1_000_000,
            };
            let mut fds = [PollFd::new(&fd, PollFlags::empty())];
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) | Err(rustix::io::Errno::INTR) => {}
                _ => return,
            }
            wait_ms = (wait_ms * 2).min(20);
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl<T> Room for T {
    fn wait_for_room(&mut self, _len: usize) {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Read;

    /// Records the length of every write, so the tests see how lines were
    /// grouped; a pipe underneath makes it one for [`WholeLines::new`].
    struct Counted {
        pipe: std::io::PipeWriter,
        writes: Vec<usize>,
    }
    impl Write for Counted {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = self.pipe.write(buf)?;
            self.writes.push(n);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl AsFd for Counted {
        fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
            self.pipe.as_fd()
        }
    }

    #[test]
    fn short_lines_go_in_atomic_writes_and_a_long_one_alone() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let reading = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        let mut out = WholeLines::new(Counted {
            pipe: writer,
            writes: Vec::new(),
        });
        assert!(out.pipe);
        let short = format!("{}\n", "s".repeat(999));
        let long = format!("{}\n", "L".repeat(9_999));
        let mut sent = Vec::new();
        for line in [&short, &short, &short, &short, &short, &long, &short] {
            sent.extend_from_slice(line.as_bytes());
        }
        // Cut mid-line on purpose: the tail waits for its line end.
        out.write_all(&sent[..6_000]).unwrap();
        assert_eq!(out.held.len(), 1_000, "five whole lines went, one waits");
        out.write_all(&sent[6_000..]).unwrap();
        out.write_all(b"no line end").unwrap();
        out.flush().unwrap();
        let writes = out.inner.writes.clone();
        drop(out);
        assert_eq!(writes, [4_000, 1_000, 10_000, 1_000, 11]);
        let mut expected = sent;
        expected.extend_from_slice(b"no line end");
        assert_eq!(reading.join().unwrap(), expected);
    }

    /// The reader never reads: whatever is in the pipe when the writer is
    /// stuck ends at a line end, even for lines longer than PIPE_BUF.
    #[test]
    fn a_full_pipe_holds_only_whole_lines() {
        let (reader, writer) = std::io::pipe().unwrap();
        rustix::pipe::fcntl_setpipe_size(&writer, 65_536).unwrap();
        // 30 lines of 1,500 bytes, then lines of 20,000 and 1,500 in turn.
        let lines: Vec<String> = (0..60)
            .map(|i| {
                let len = if i >= 30 && i % 2 == 0 { 20_000 } else { 1_500 };
                format!("{}\n", "x".repeat(len - 1))
            })
            .collect();
        let writing = std::thread::spawn(move || {
            let mut out = WholeLines::new(writer);
            for line in &lines {
                // Fails with EPIPE once the reader is dropped below.
                if out.write_all(line.as_bytes()).is_err() {
                    break;
                }
            }
        });
        // The short lines go in; the first long one waits for the reader to
        // empty the pipe, which it never does.
        let filled = 45_000;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let unread = rustix::io::ioctl_fionread(&reader).unwrap();
            if unread >= filled {
                assert_eq!(unread, filled);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "stuck at {unread}");
            std::thread::yield_now();
        }
        drop(reader);
        writing.join().unwrap();
    }

    #[test]
    fn a_file_is_written_straight_through() {
        let file = tempfile::tempfile().unwrap();
        let mut out = WholeLines::new(file);
        assert!(!out.pipe);
        out.write_all(b"no line end").unwrap();
        assert!(out.held.is_empty());
    }
}
