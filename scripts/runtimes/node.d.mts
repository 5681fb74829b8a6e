/** The Node versions wsframe is tested on, one pinned release per major. */
export const NODE_VERSIONS: Record<number, string>;
/** The path of the pinned Node binary for `major` (20, 22, 24, 26), installed from npm on demand. */
export function nodeBinary(major: number): string;
