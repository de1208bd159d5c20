export const OUTPUT_TAIL_BYTES = 2000;

/** The end of a check's output, bounded: the end is where errors are. */
export function tail(text: string, max = OUTPUT_TAIL_BYTES): string {
  return text.length <= max ? text : '…' + text.slice(text.length - max);
}
