import "reflect-metadata";
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../app/context.js";
import { Artifact, ArtifactFile } from "./artifact.entity.js";

/** Where GET /artifacts/:artifactId/files/:name serves a file (relative to the server's origin). */
export function downloadPath(artifactId: string, name: string): string {
  return `/artifacts/${artifactId}/files/${encodeURIComponent(name)}`;
}

/** Where GET /artifacts/:id/download.zip serves all of an artifact's files as one zip. */
export function artifactZipPath(artifactId: string): string {
  return `/artifacts/${artifactId}/download.zip`;
}

@Resolver(() => Artifact)
export class ArtifactResolver {
  @FieldResolver(() => String, {
    description:
      "All its files as one zip: GET it with `Authorization: Bearer <read key>` (path on this server).",
  })
  downloadUrl(@Root() a: Artifact): string {
    return artifactZipPath(a.id);
  }

  @FieldResolver(() => [ArtifactFile])
  files(@Root() a: Artifact, @Ctx() ctx: RequestContext): Promise<ArtifactFile[]> {
    return ctx.loaders.people.artifactFiles.load(a.id);
  }
}

@Resolver(() => ArtifactFile)
export class ArtifactFileResolver {
  @FieldResolver(() => String, {
    description: "GET it with `Authorization: Bearer <read key>` (path on this server).",
  })
  downloadUrl(@Root() f: ArtifactFile): string {
    return downloadPath(f.artifactId, f.name);
  }
}
