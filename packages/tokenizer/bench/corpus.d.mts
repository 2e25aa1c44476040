/** The workspace's pnpm store folder. */
export declare const PNPM_STORE: string;
/** Collects README/licence/changelog/Markdown text from the pnpm store, sorted, deduplicated, capped. */
export declare function collectCorpus(options?: { totalBytes?: number; perFileBytes?: number; store?: string }): {
  texts: { file: string; text: string }[];
  bytes: number;
  filesSeen: number;
  duplicates: number;
};
