/**
 * Dawn (the `webgpu` package's native code) prints two lines on every device creation on drivers that report
 * huge dynamic-buffer limits (Mesa lavapipe among them):
 *
 *     Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
 *     Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
 *
 * They say nothing a user can act on. Native code writes them straight to file descriptor 2, past
 * `process.stderr`, so the only place to drop them is a filter on the process's stderr stream.
 */

const DAWN_LIMIT_WARNING = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const PREFIX = 'Warning: maxDynamic';

/** Whether one line of stderr (without its newline) is one of Dawn's two limit warnings. */
export const isDawnLimitWarning = (line: string): boolean => DAWN_LIMIT_WARNING.test(line);

/**
 * A streaming stderr filter: `push` text as it arrives, and everything except Dawn's limit warnings is passed
 * to `write` at once — a partial line too (progress lines redraw with `\r` and no newline), unless it could
 * still become a warning, in which case it waits for its newline or for `end`.
 */
export function dawnWarningFilter(write: (text: string) => void): { push(text: string): void; end(): void } {
  let held = '';
  return {
    push(text: string) {
      let rest = held + text;
      held = '';
      let out = '';
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        const line = rest.slice(0, nl);
        if (!isDawnLimitWarning(line)) out += `${line}\n`;
        rest = rest.slice(nl + 1);
      }
      const start = rest.lastIndexOf('\r') + 1; // only the text after the last carriage return can still grow into a warning line
      const tail = rest.slice(start);
      if (tail.length > 0 && (PREFIX.startsWith(tail) || tail.startsWith(PREFIX))) {
        out += rest.slice(0, start);
        held = tail;
      } else out += rest;
      if (out) write(out);
    },
    end() {
      if (held && !isDawnLimitWarning(held)) write(held);
      held = '';
    },
  };
}
