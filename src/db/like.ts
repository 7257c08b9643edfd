/** An ILIKE pattern for "contains `text`": the user's % and _ are literal characters, not wildcards. */
export const containing = (text: string): string => `%${text.replace(/[\\%_]/g, '\\$&')}%`;
