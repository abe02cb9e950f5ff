// Runs one ImageCache.ensure() in its own process (for cross-process tests).
// argv: root url checksum; prints the result as JSON on stdout.
import { ImageCache } from '#activities/images/image-cache';

const [root, url, checksum] = process.argv.slice(2);
new ImageCache({ root })
  .ensure(url, checksum)
  .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
  .catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  });
