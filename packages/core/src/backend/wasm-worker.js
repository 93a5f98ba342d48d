// A kernel thread of the WASM backend (see wasm-pool.ts). Plain JavaScript with no imports
// but Node's worker_threads, so Node runs it without a TypeScript loader and a bundler can
// ship it as a Web Worker. It instantiates the kernels over the shared memory it is sent,
// says "ready", then loops: sleep on its own slot of the control block; once woken, claim
// parts of the op (one compare-exchange on the claim word each) and run their kernel calls
// with its own scratch region until no part is left; sleep again. No message per op.

/**
 * @typedef {{ id: number, module: WebAssembly.Module, memory: WebAssembly.Memory,
 *   control: SharedArrayBuffer, names: string[], layout: Record<string, number> }} Init
 */

/** @param {Init} init @param {(message: unknown) => void} reply */
function serve(init, reply) {
  const { id, module, memory, control, names, layout } = init;
  let calls;
  try {
    const { exports } = new WebAssembly.Instance(module, { env: { memory } });
    calls = names.map((name) => exports[name]);
  } catch (e) {
    reply({ error: String(e) });
    return;
  }
  const flags = new Int32Array(control, 0, layout.flags);
  const jobs = new Float64Array(control, layout.jobsOffset);
  const slot = layout.slots + id;
  const args = new Float64Array(15);
  reply("ready");
  let seen = 0;
  for (;;) {
    Atomics.wait(flags, slot, seen);
    const now = Atomics.load(flags, slot);
    if (now === seen) continue;
    seen = now;
    if (Atomics.load(flags, layout.stop) !== 0) return;
    for (let claim = Atomics.load(flags, layout.claim); (claim & 0xffff) < claim >>> 16; claim = Atomics.load(flags, layout.claim)) {
      if (Atomics.compareExchange(flags, layout.claim, claim, claim + 1) !== claim) continue;
      const part = claim & 0xffff, r = part * layout.row;
      for (let i = 0; i < 15; i++) args[i] = jobs[r + 1 + i];
      const scratchArg = Atomics.load(flags, layout.scratchArg);
      if (scratchArg >= 0) args[scratchArg] += id * Atomics.load(flags, layout.scratchStride);
      try {
        calls[jobs[r]](args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7],
          args[8], args[9], args[10], args[11], args[12], args[13], args[14]);
      } catch {
        Atomics.store(flags, layout.failed, part + 1);
      }
      if (Atomics.sub(flags, layout.pending, 1) === 1) Atomics.notify(flags, layout.pending);
    }
  }
}

if (typeof process !== "undefined" && process.versions?.node) {
  const { parentPort } = await import("node:worker_threads");
  parentPort.once("message", (init) => serve(init, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (event) => serve(event.data, (m) => self.postMessage(m));
}
