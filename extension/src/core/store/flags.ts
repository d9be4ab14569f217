/** Bits of the flags of the store's events (`TraitColumn`: what the kinds set and the queries read). */
export const Flag = { unfinished: 1, error: 2, instant: 4, wait: 8, blocking: 16 } as const;
