// Compile-time check, run by `pnpm typecheck` (part of the test command): the AdapterSummary this
// package restates (so its types do not need the optional @op-screen/webgpu-kernels) must stay
// exactly the shape webgpu-kernels reports. A field added, removed or retyped on either side
// fails the typecheck here.
import type { AdapterSummary as Reported } from '@op-screen/webgpu-kernels';
import type { AdapterSummary as Restated } from '../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const adapterSummaryInSync: Equal<Restated, Reported> = true;
