// The page's side of the engine worker: requests as promises, training reports as callbacks.
import type { Control, Replies, Request, WorkerMessage } from "./protocol";

type Report = Exclude<WorkerMessage, { kind: "reply" }>;

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(onReport: (report: Report) => void, onCrash: (message: string) => void) {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      if (m.kind !== "reply") return onReport(m);
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) waiter?.resolve(m.value);
      else waiter?.reject(new Error(m.error));
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      onCrash(event.message || "the engine worker failed to start");
    };
  }

  request<R extends Request>(request: R, transfer: Transferable[] = []): Promise<Replies[R["kind"]]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  control(control: Control): void {
    this.worker.postMessage({ control });
  }
}
