'use client';

import { useState } from 'react';
import { applyTheme, nextTheme, type Theme } from '../_lib/theme.ts';

const LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);
  return (
    <button
      type="button"
      className="btn btn-ghost"
      data-testid="theme-toggle"
      data-theme-choice={theme}
      title="Switch between system, light and dark themes"
      onClick={() => {
        const next = nextTheme(theme);
        applyTheme(next);
        setTheme(next);
      }}
    >
      {LABEL[theme]}
    </button>
  );
}
