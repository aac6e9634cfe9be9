// Regenerates tests/vectors/connect-qsh-vectors.json: Connect query string hashes (qsh) computed by
// Atlassian's reference library, atlassian-jwt 2.0.3 (`createCanonicalRequest`,
// `createQueryStringHash`), for requests whose canonical form is easy to get wrong: repeated
// values, non-ASCII, names that need encoding, `+`, `*`, `~`, space, empty values, and
// astral-plane characters, whose UTF-16 order (JavaScript's and Java's string sort) differs from
// code-point and from encoded-byte order.
//
// The library is not a dependency of this package (nothing else needs it); run, from any
// scratch directory outside the repository:
//   npm install atlassian-jwt@2.0.3 && node /path/to/tests/jira-js/qsh-vectors.mjs > tests/vectors/connect-qsh-vectors.json
// (NODE_PATH is not used by ES modules, so the script resolves the library from the current directory.)

import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const jwt = require('atlassian-jwt');
const version = require('atlassian-jwt/package.json').version;
if (version !== '2.0.3') throw new Error(`expected atlassian-jwt 2.0.3, found ${version}`);

const site = 'https://your-domain.atlassian.net';
// [name, method, url, baseUrl]. URLs are written percent-encoded, as a client sends them.
const cases = [
  ['repeated non-ASCII value (issue 11)', 'GET', `${site}/rest/api/3/search/jql?l=zeta&l=%C3%A9mile`, site],
  ['names sort decoded: "." before "/" although "%2F" sorts before "."', 'GET', `${site}/rest/api/3/x?a%2F=2&a.=1`, site],
  ['non-ASCII name sorts after ASCII', 'GET', `${site}/rest/api/3/x?%C3%A9t%C3%A9=2&zoo=1`, site],
  ['astral plane: UTF-16 puts U+1F600 before U+FF5E', 'GET', `${site}/rest/api/3/x?v=%EF%BD%9E&v=%F0%9F%98%80&v=z`, site],
  ['astral-plane names', 'GET', `${site}/rest/api/3/x?%EF%BD%9E=1&%F0%9F%98%80=2`, site],
  ['plus is a space; %2B is a plus; space before plus', 'GET', `${site}/rest/api/3/x?q=a%2Bb&q=a+b&t=a%20b`, site],
  ['star, tilde and the characters encodeURIComponent leaves', 'GET', `${site}/rest/api/3/x?p=*~!'()&p=-._`, site],
  ['empty values and a name without =', 'GET', `${site}/rest/api/3/x?e=x&e=&f&g=`, site],
  ['upper case before lower case, repeated', 'GET', `${site}/rest/api/3/x?b=2&B=1&a=y&A=x&a=X`, site],
  ['punctuation in repeated values', 'GET', `${site}/rest/api/3/x?v=a~b&v=a_b&v=a.b&v=a%2Fb&v=a-b&v=A`, site],
  ['equal repeated values and the jwt parameter', 'GET', `${site}/rest/api/3/x?x=1&jwt=abc.def.ghi&x=1`, site],
  ['context path, trailing slash, & in the path', 'POST', 'https://example.com/jira/rest/a&b/?c=%26%3D%2C', 'https://example.com/jira'],
  ['no query', 'PUT', `${site}/rest/api/3/webhook/refresh`, site],
];

const vectors = cases.map(([name, method, url, baseUrl]) => {
  const req = jwt.fromMethodAndUrl(method, url);
  return {
    name,
    method,
    url,
    baseUrl,
    canonical: jwt.createCanonicalRequest(req, false, baseUrl),
    qsh: jwt.createQueryStringHash(req, false, baseUrl),
  };
});

const out = {
  source: `atlassian-jwt ${version} (npm), createCanonicalRequest and createQueryStringHash over fromMethodAndUrl(method, url), with checkBodyForParams false and baseUrl as given`,
  script: 'tests/jira-js/qsh-vectors.mjs',
  vectors,
};
console.log(JSON.stringify(out, null, 2));
