// A search box that reports what was typed after a short pause, so each keystroke does not cost a request.
import { useEffect, useRef, useState } from "preact/hooks";

const FILTER_DELAY_MS = 200;

export function TextFilter({ value, onChange, label, placeholder }: { value: string; onChange: (v: string) => void; label: string; placeholder?: string }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => setText(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <label class="text-filter">
      <span class="visually-hidden">{label}</span>
      <input
        type="search"
        value={text}
        placeholder={placeholder ?? label}
        onInput={(e) => {
          const next = (e.currentTarget).value;
          setText(next);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => onChange(next.trim()), FILTER_DELAY_MS);
        }}
      />
    </label>
  );
}
