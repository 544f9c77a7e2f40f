// Starts `vigil serve` from sources for the ingest bench (the bench spawns this as a child process).
import { main } from '@vigil/server';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
