import type { KitLinks, WorkshopDefinition } from '../workshops/workshop.schema';

/** Where Navigator serves the kit (kit.controller.ts): the archive, and the artefacts under a directory of their own. */
export const KIT_PATHS = { index: '/kit', archive: '/kit/kit.tar.gz', artefacts: '/kit/artefacts' } as const;

/** The archive's top directory. */
export function kitDirectory(workshopId: string): string {
  return `${workshopId}-kit`;
}

/** `${kit.archive}` and `${kit.dir}` for a reader who reached Navigator at `baseUrl`; null for a workshop without a kit. */
export function kitLinks(workshop: Pick<WorkshopDefinition, 'id' | 'kit'>, baseUrl: string): KitLinks | null {
  if (!workshop.kit) return null;
  return { archive: `${baseUrl}${KIT_PATHS.archive}`, dir: kitDirectory(workshop.id) };
}

/** What the kit's setup downloads from first (KIT_MIRROR). */
export function kitMirror(baseUrl: string): string {
  return `${baseUrl}${KIT_PATHS.artefacts}`;
}
