// The latent code on the host, for objectives that compute their terms there (β-TCVAE's
// B × B × D log densities, DIP-VAE's covariance): μ, log σ² and z read once per update into
// float64 arrays, and the gradients they compute added back through device buffers with the
// backend's `add`, so nothing is allocated per step beyond the backend's own read.
import { ReferenceBackend } from "../../backend/reference";
import type { DeviceBuffer } from "../../backend/backend";
import type { LatentCode } from "../../model/vae";

export class HostCode {
  readonly batch: number;
  readonly latents: number;
  /** μ, log σ², z: batch × latents, row-major, as the last `read` found them */
  readonly mu: Float64Array;
  readonly logvar: Float64Array;
  readonly z: Float64Array;
  /** d loss / dz, dμ, d log σ² to add: the objective fills them, `addSampleGradient`/`addPosteriorGradient` add them */
  readonly dz: Float64Array;
  readonly dmu: Float64Array;
  readonly dlogvar: Float64Array;
  /** one device buffer per target: a GPU backend writes buffers before it runs the queued adds */
  private readonly staged: Map<DeviceBuffer, DeviceBuffer>;

  constructor(private readonly code: LatentCode, private readonly withSample: boolean) {
    [this.batch, this.latents] = [code.batch, code.latents];
    const n = code.batch * code.latents;
    [this.mu, this.logvar, this.z, this.dz, this.dmu, this.dlogvar] = Array.from({ length: 6 }, () => new Float64Array(n));
    this.staged = new Map([code.dz, code.dmu, code.dlogvar].map((target) => [target, code.backend.alloc(n)]));
  }

  /** Copies μ, log σ² (and z, for an objective of the sample) to the host; float64 on the float64 reference, where gradients are checked. */
  async read(): Promise<void> {
    const be = this.code.backend;
    const copy = async (buf: DeviceBuffer, into: Float64Array) => into.set(be instanceof ReferenceBackend ? be.view(buf) : await be.read(buf));
    await copy(this.code.mu, this.mu);
    await copy(this.code.logvar, this.logvar);
    if (this.withSample) await copy(this.code.z, this.z);
  }

  /** code.dz += this.dz */
  addSampleGradient(): void {
    this.addTo(this.code.dz, this.dz);
  }

  /** code.dmu += this.dmu, code.dlogvar += this.dlogvar */
  addPosteriorGradient(): void {
    this.addTo(this.code.dmu, this.dmu);
    this.addTo(this.code.dlogvar, this.dlogvar);
  }

  private addTo(target: DeviceBuffer, gradient: Float64Array): void {
    const be = this.code.backend;
    const staged = this.staged.get(target)!;
    be.write(staged, gradient);
    be.add(target, target, staged, gradient.length);
  }
}
