'use client';

import type { ReactNode } from 'react';

// The filter row above a list (chains, sagas, consumers, dead letters, live tail): one form, one
// labelled control per filter. Pages say which filters they have and where each value lives (URL
// state, or a draft applied on submit); the markup, and so the labels and test ids the end-to-end
// specs rely on, is written once here. Every control is controlled: the page owns the value.

export interface FilterOption {
  readonly value: string;
  readonly label: string;
}

/**
 * `onSubmit` runs on Enter or a submit button (filters that apply per intent, like the tail's);
 * without it submitting does nothing, because those filters already applied as they changed.
 */
export function FilterBar({
  testid,
  onSubmit,
  children,
}: {
  testid?: string;
  onSubmit?: () => void;
  children: ReactNode;
}) {
  return (
    <form
      className="filters"
      data-testid={testid}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit?.();
      }}
    >
      {children}
    </form>
  );
}

export function TextFilter({
  label,
  value,
  onChange,
  testid,
  placeholder,
}: {
  label: string;
  value: string | undefined;
  onChange: (value: string) => void;
  testid: string;
  placeholder?: string;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        value={value ?? ''}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testid}
      />
    </label>
  );
}

/** `anyLabel` adds a first option with the empty value: no filter. */
export function SelectFilter({
  label,
  value,
  onChange,
  testid,
  options,
  anyLabel,
}: {
  label: string;
  value: string | number | undefined;
  onChange: (value: string) => void;
  testid: string;
  options: readonly (string | FilterOption)[];
  anyLabel?: string;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)} data-testid={testid}>
        {anyLabel !== undefined ? <option value="">{anyLabel}</option> : null}
        {options.map((o) => {
          const { value: v, label: text } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

export function CheckFilter({
  label,
  checked,
  onChange,
  testid,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testid: string;
}) {
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        data-testid={testid}
      />
      {label}
    </label>
  );
}
