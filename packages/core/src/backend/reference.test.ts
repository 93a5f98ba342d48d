import { defineOpSuite } from "../testing/op-suite";
import { ReferenceBackend } from "./reference";

defineOpSuite("reference (float32)", async () => new ReferenceBackend("f32"));
