import { useInput, type Key } from 'ink';
import { useRef, useState } from 'react';

export interface LineInput {
  readonly value: string;
}

/**
 * A one-line text input. The value lives in a ref as well as in state, so
 * Enter right after typing (or a paste ending in a newline) submits what was
 * typed, not the value of the frame before. Esc cancels; Backspace, Ctrl-U
 * (clear) and Ctrl-W (last word) edit.
 */
export function useLineInput(initial: string, onSubmit: (value: string) => void, onCancel: () => void): LineInput {
  const value = useRef(initial);
  const [shown, setShown] = useState(initial);
  const set = (next: string) => {
    value.current = next;
    setShown(next);
  };
  useInput((input: string, key: Key) => {
    if (key.escape) return onCancel();
    if (key.return) return onSubmit(value.current);
    if (key.backspace || key.delete) return set(value.current.slice(0, -1));
    if (key.ctrl && input === 'u') return set('');
    if (key.ctrl && input === 'w') return set(value.current.replace(/\S*\s*$/, ''));
    if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) return;
    const newline = input.search(/[\r\n]/);
    if (newline >= 0) {
      set(value.current + input.slice(0, newline));
      return onSubmit(value.current);
    }
    set(value.current + input);
  });
  return { value: shown };
}
