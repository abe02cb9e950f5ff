import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha512Crypt } from './sha512-crypt';

test("SHA-512 crypt: the spec's own vectors and openssl passwd -6", () => {
  // Drepper's SHA-crypt specification, test vectors without rounds=.
  assert.equal(
    sha512Crypt('Hello world!', 'saltstring'),
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  );
  // `openssl passwd -6 -salt abcdefgh hello`
  assert.equal(
    sha512Crypt('hello', 'abcdefgh'),
    '$6$abcdefgh$bp46WUxDu2cphMRE0PvVJlqas2imuSq186YS793XKfmqn9XUEL17HECskUTZInaNigNndLLYc7A6yWBmFEFn3/',
  );
});

test('SHA-512 crypt: a random 16-character salt each time; a bad salt is refused', () => {
  const a = sha512Crypt('pw');
  const b = sha512Crypt('pw');
  assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
  assert.notEqual(a, b);
  assert.throws(() => sha512Crypt('pw', 'bad$salt'), /salt/);
});
