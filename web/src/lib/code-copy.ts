import { mount, unmount } from 'svelte';
import CopyButton from './CopyButton.svelte';

/**
 * An attachment for rendered Markdown (a hint): each code block gets the copy button CopyBox has, with
 * its clipboard fallback. Put the element in a {#key} on its HTML: the blocks are wrapped once, when it is made.
 */
export function codeCopyButtons(node: HTMLElement): () => void {
  const buttons = [...node.querySelectorAll('pre')].map((pre) => {
    const block = document.createElement('div');
    block.className = 'code-block';
    pre.replaceWith(block);
    block.append(pre);
    const code = pre.querySelector('code') ?? pre;
    // Markdown ends a block with a line break: pasted into a terminal, it would run the command at once.
    const text = (code.textContent ?? '').replace(/\n$/, '');
    return mount(CopyButton, { target: block, props: { text, source: () => code, label: 'common.copy.code' } });
  });
  return () => buttons.forEach((button) => void unmount(button));
}
