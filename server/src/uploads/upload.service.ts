import type { ServerConfig } from "../config.js";
import type { Database } from "../db/database.js";
import { InflightBytes } from "./inflight-bytes.js";
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
  /** Bytes of bodies being received and stored at once, all callers together (≥ maxBytes). */
  inflightMaxBytes: number;
  /** What a 503 for a full `inflightMaxBytes` asks the client to wait (Retry-After), in seconds. */
  busyRetryAfterS: number;
}

export const defaultUploadLimits = (
  config: Pick<ServerConfig, "uploadMaxBytes" | "uploadInflightMaxBytes">,
): UploadLimits => ({
  maxBytes: config.uploadMaxBytes,
  ttlMs: 60 * 60 * 1000,
  maxLivePerOwner: 32,
  inflightMaxBytes: config.uploadInflightMaxBytes,
  // an upload of the default 100 MiB takes about a second on a LAN: a few seconds frees most of the room
  busyRetryAfterS: 2,
});

/** Staged uploads: stored by the upload route, consumed by the mutations that reference them. */
export class UploadService {
  private sweeper: NodeJS.Timeout | undefined;
  private readonly inflight: InflightBytes;

  constructor(
    private readonly db: Database,
    readonly limits: UploadLimits,
  ) {
    this.inflight = new InflightBytes(limits.inflightMaxBytes);
  }

  get maxBytes(): number {
    return this.limits.maxBytes;
  }

  /**
   * Room for a body of up to `bytes` among the bodies this process holds now (InflightBytes): the release
   * to call once the body is stored, refused or abandoned, or undefined when there is no room.
   */
  reserve(bytes: number): (() => void) | undefined {
    return this.inflight.reserve(bytes);
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
