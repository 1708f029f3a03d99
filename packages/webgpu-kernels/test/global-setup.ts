// Before any test runs: the software WebGPU adapter's Mesa files are found or apt-installed (as
// root), else the whole run FAILS here with the reason and the exact command; it never skips.
import { ensureMesaForTests } from '../src/mesa-setup.js';

export default function setup(): void {
  ensureMesaForTests();
}
