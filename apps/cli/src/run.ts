// The bvae process: runs the command line and exits with its status.
import { main } from "./bvae";

process.exitCode = await main(process.argv.slice(2));
