/**
 * Turns a byte stream into lines as they arrive, so a long installer run can be followed live.
 * Multi-byte characters split across chunks are kept whole (StringDecoder); `\r` is dropped;
 * a line longer than `maxLine` is cut into pieces rather than held forever.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emit what is left after the stream ended without a final newline. */
  flush(): void;
}

export function lineSplitter(onLine: (line: string) => void, maxLine = 8192): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (line: string): void => onLine(line.replace(/\r$/, ''));
  const drain = (): void => {
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      emit(partial.slice(0, newline));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
    while (partial.length > maxLine) {
      emit(partial.slice(0, maxLine));
      partial = partial.slice(maxLine);
    }
  };
  return {
    push(chunk) {
      partial += decoder.write(chunk);
      drain();
    },
    flush() {
      partial += decoder.end();
      drain();
      if (partial !== '') emit(partial);
      partial = '';
    },
  };
}
