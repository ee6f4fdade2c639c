/** A set kept as state (rows opened, groups expanded) with a toggle of one member. */
import { useState } from 'react';

export function useToggleSet<T>(): [ReadonlySet<T>, (member: T) => void] {
  const [members, setMembers] = useState<ReadonlySet<T>>(new Set());
  const toggle = (member: T) =>
    setMembers((current) => {
      const next = new Set(current);
      if (next.has(member)) next.delete(member);
      else next.add(member);
      return next;
    });
  return [members, toggle];
}
