import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { refused } from '../common/coded-http';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { KitIndexView } from '../contract/views';
import { WorkshopsService } from '../workshops/workshops.service';
import { ArtefactStore, type OpenedArtefact } from './artefact-store';
import { buildKitArchive } from './kit-archive';
import type { ResolvedKit } from './kit-files';
import { kitMirror, KIT_PATHS } from './kit-links';
import { isArtefactName } from './kit-lock';

/** Archives kept per workshop load: one per address Navigator is reached at (a handful; any Host header makes one). */
const ARCHIVES_KEPT = 8;

/** The kit of the loaded workshop, as its archive, its artefacts and an index of them. */
@Injectable()
export class KitService {
  private readonly store: ArtefactStore;
  private readonly archives = new WeakMap<ResolvedKit, Map<string, Buffer>>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly workshops: WorkshopsService,
  ) {
    this.store = ArtefactStore.inDataDir(config.dataDir);
  }

  /** The gzip tarball, with KIT_MIRROR pointing at `baseUrl`; built once per workshop load and address. */
  archive(baseUrl: string): { fileName: string; bytes: Buffer } {
    const kit = this.kit();
    let built = this.archives.get(kit);
    if (!built) this.archives.set(kit, (built = new Map()));
    let bytes = built.get(baseUrl);
    if (!bytes) {
      bytes = buildKitArchive(kit, kitMirror(baseUrl));
      if (built.size >= ARCHIVES_KEPT) built.delete(built.keys().next().value!);
      built.set(baseUrl, bytes);
    }
    return { fileName: `${kit.directory}.tar.gz`, bytes };
  }

  async index(baseUrl: string): Promise<KitIndexView> {
    const kit = this.kit();
    return {
      workshop: this.workshops.workshop.id,
      archive: `${baseUrl}${KIT_PATHS.archive}`,
      directory: kit.directory,
      mirror: kitMirror(baseUrl),
      artefacts: await Promise.all(
        kit.artefacts.map(async (artefact) => {
          const stored = artefact.sha256 === null ? null : await this.store.check({ ...artefact, sha256: artefact.sha256 });
          return {
            name: artefact.name,
            sha256: artefact.sha256,
            fetched: stored?.state === 'verified',
            size: stored?.state === 'verified' ? stored.size : null,
            sources: artefact.urls,
          };
        }),
      ),
    };
  }

  /** An artefact of the lock, verified against it; refused with why when it cannot be served. */
  async artefact(name: string): Promise<OpenedArtefact> {
    const kit = this.kit();
    if (!isArtefactName(name)) throw refused(HttpStatus.BAD_REQUEST, 'kit.bad_name', { name: name.slice(0, 200) });
    const artefact = kit.artefacts.find((each) => each.name === name);
    if (!artefact) throw refused(HttpStatus.NOT_FOUND, 'kit.unknown_artefact', { name });
    if (artefact.sha256 === null) throw refused(HttpStatus.NOT_FOUND, 'kit.unpinned', { name });
    const pinned = { ...artefact, sha256: artefact.sha256 };
    const opened = await this.store.open(pinned);
    if (opened) return opened;
    const stored = await this.store.check(pinned);
    throw refused(HttpStatus.NOT_FOUND, stored.state === 'missing' ? 'kit.not_fetched' : 'kit.artefact_changed', { name });
  }

  private kit(): ResolvedKit {
    const { kit } = this.workshops.workshop;
    if (!kit) throw refused(HttpStatus.NOT_FOUND, 'kit.none');
    return kit;
  }
}
