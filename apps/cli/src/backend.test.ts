// Every command that computes offers the same --backend and --threads.
import { describe, expect, it } from "vitest";
import { BACKEND_FLAGS } from "./backend";
import { EVAL_FLAGS } from "./commands/eval";
import { FIGURES_FLAGS } from "./commands/figures";
import { TRAIN_FLAGS } from "./commands/train";
import { TRAVERSE_FLAGS } from "./commands/traverse";

describe("BACKEND_FLAGS", () => {
  it("are the --backend and --threads of train, eval, figures and traverse", () => {
    for (const flags of [TRAIN_FLAGS, EVAL_FLAGS, FIGURES_FLAGS, TRAVERSE_FLAGS]) {
      expect(flags.backend).toBe(BACKEND_FLAGS.backend);
      expect(flags.threads).toBe(BACKEND_FLAGS.threads);
    }
  });
});
