// Timestamp rendering in the local time zone, in the formats the original writes.

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

interface Parts { y: number; mo: number; d: number; h: number; mi: number; s: number; us: number; offsetMin: number }

function parts(epoch: number): Parts {
  let sec = Math.floor(epoch);
  let us = Math.round((epoch - sec) * 1e6);
  if (us >= 1e6) { sec += 1; us -= 1e6; }
  const dt = new Date(sec * 1000);
  return { y: dt.getFullYear(), mo: dt.getMonth() + 1, d: dt.getDate(), h: dt.getHours(), mi: dt.getMinutes(),
    s: dt.getSeconds(), us, offsetMin: -dt.getTimezoneOffset() };
}

/** Python's datetime.isoformat() of an aware local time: microseconds omitted when zero. */
export function isoLocal(epoch: number): string {
  const p = parts(epoch);
  const sign = p.offsetMin >= 0 ? '+' : '-';
  const off = Math.abs(p.offsetMin);
  const frac = p.us ? `.${pad(p.us, 6)}` : '';
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${frac}${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}

/** "%Y/%m/%d %H:%M:%S.%f" (the original's human format; its %z renders empty). */
export function humanLocal(epoch: number, withMicros = true): string {
  const p = parts(epoch);
  const base = `${p.y}/${pad(p.mo)}/${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
  return withMicros ? `${base}.${pad(p.us, 6)}` : base;
}

export const nowEpoch = (): number => Date.now() / 1000;

/** "YYYY-MM-DD_HH:MM:SS" for default output folder names. */
export function folderStamp(epoch: number): string {
  const p = parts(epoch);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}_${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}
