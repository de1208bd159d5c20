const BLOCK = 512;

/**
 * A POSIX ustar archive, in memory. Every entry is owned by uid/gid 0 with no user or group names and has the
 * same modification time, so the same entries in the same order always give the same bytes.
 */
export class UstarWriter {
  private readonly blocks: Buffer[] = [];

  /** `mtime` in seconds since the epoch, for every entry. */
  constructor(private readonly mtime: number) {}

  directory(path: string, mode = 0o755): void {
    this.entry(path.endsWith('/') ? path : `${path}/`, '5', mode, Buffer.alloc(0));
  }

  file(path: string, content: Buffer, mode = 0o644): void {
    this.entry(path, '0', mode, content);
  }

  symlink(path: string, target: string): void {
    if (Buffer.byteLength(target) > 100) throw new Error(`${path}: the link target is longer than ustar's 100 bytes`);
    this.entry(path, '2', 0o777, Buffer.alloc(0), target);
  }

  /** The archive: its entries, then the two zero blocks that end it. */
  finish(): Buffer {
    return Buffer.concat([...this.blocks, Buffer.alloc(2 * BLOCK)]);
  }

  private entry(path: string, type: '0' | '2' | '5', mode: number, content: Buffer, linkName = ''): void {
    const header = Buffer.alloc(BLOCK);
    const { prefix, name } = splitPath(path);
    header.write(name, 0, 100, 'utf8');
    octal(header, 100, 8, mode & 0o7777);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, content.length);
    octal(header, 136, 12, this.mtime);
    header.write(type, 156, 1, 'ascii');
    header.write(linkName, 157, 100, 'utf8');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    header.write(prefix, 345, 155, 'utf8');
    // The checksum is the sum of the header's bytes with its own field read as spaces.
    header.fill(' ', 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    this.blocks.push(header);
    if (content.length > 0) {
      this.blocks.push(content);
      const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (padding > 0) this.blocks.push(Buffer.alloc(padding));
    }
  }
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`${value} does not fit a ${length}-byte ustar field`);
  header.write(`${digits.padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** ustar names: up to 100 bytes, or a prefix of up to 155 and a name of up to 100 split at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  // A directory's trailing slash stays with its name.
  const body = path.endsWith('/') ? path.slice(0, -1) : path;
  for (let at = body.lastIndexOf('/'); at > 0; at = body.lastIndexOf('/', at - 1)) {
    const prefix = body.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
    if (Buffer.byteLength(prefix) <= 155) break;
  }
  throw new Error(`${path} is too long for a ustar archive (a name of at most 100 bytes under a directory of at most 155)`);
}
