// Runs the `vigil` CLI from sources (tests run without a build): node --conditions=vigil-source --import tsx vigil-cli.ts <args>
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
