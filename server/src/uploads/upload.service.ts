import type { Database } from "../db/database.js";
import {
  countLiveUploads,
  deleteExpiredUploads,
  insertStagedUpload,
  type StagedUpload,
  type UploadOwner,
} from "./staged-upload.repository.js";

export interface UploadLimits {
  /** Largest body `POST /uploads` takes, in bytes. */
  maxBytes: number;
  /** How long a staged upload waits to be used before it is deleted. */
  ttlMs: number;
  /** Staged, unused uploads one caller may hold at a time (each up to maxBytes). */
  maxLivePerOwner: number;
}

export const defaultUploadLimits = (maxBytes: number): UploadLimits => ({
  maxBytes,
  ttlMs: 60 * 60 * 1000,
  maxLivePerOwner: 32,
});

/** Staged uploads: stored by the upload route, consumed by the mutations that reference them. */
export class UploadService {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly limits: UploadLimits,
  ) {}

  get maxBytes(): number {
    return this.limits.maxBytes;
  }

  /** Why this owner may not stage another upload now, or undefined. */
  async roomFor(owner: UploadOwner): Promise<string | undefined> {
    const live = await this.db.read((m) => countLiveUploads(m, owner));
    if (live < this.limits.maxLivePerOwner) return undefined;
    return `${live} uploads of yours are waiting to be used (at most ${this.limits.maxLivePerOwner}): reference them in a mutation or wait until they expire`;
  }

  stage(owner: UploadOwner, content: Buffer, sha256: string): Promise<StagedUpload> {
    return this.db.write(async (m) => {
      await deleteExpiredUploads(m);
      return insertStagedUpload(m, owner, content, sha256, this.limits.ttlMs);
    });
  }

  /** Deletes expired uploads now and every `intervalMs` until stop(). */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    const sweep = () => this.sweep().catch(onError);
    void sweep();
    this.sweeper = setInterval(sweep, intervalMs);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  sweep(): Promise<number> {
    return this.db.write(deleteExpiredUploads);
  }
}
