/** One visible line of the stream tree. */
export interface TreeRow {
  path: string;
  /** The last segment ("/" for the root). */
  name: string;
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
  /** False for a path shown only because a descendant exists. */
  exists: boolean;
  /** True when the filter matched this row itself (not only a descendant). */
  match: boolean;
}

/**
 * Flattens a set of stream paths into the rows of a tree: depth-first, children sorted by name,
 * collapsed subtrees hidden. With a filter (a case-insensitive substring of the path) it shows the
 * matching streams and their ancestors, ignoring collapse, so a match is never hidden. Pure.
 *
 * @example
 * treeRows(new Set(["/", "/a", "/a/b"]), { collapsed: new Set(), filter: "" }).map((row) => row.path);
 * // ["/", "/a", "/a/b"]
 */
export function treeRows(paths: ReadonlySet<string>, options: { collapsed: ReadonlySet<string>; filter: string }): TreeRow[] {
  const children = new Map<string, string[]>();
  const known = new Set<string>(["/"]);
  for (const path of paths) {
    for (let child = path, parent = parentOf(child); parent !== undefined; child = parent, parent = parentOf(parent)) {
      if (known.has(child)) break;
      known.add(child);
      const siblings = children.get(parent);
      if (siblings) siblings.push(child);
      else children.set(parent, [child]);
    }
  }
  const filter = options.filter.trim().toLowerCase();
  const visible = filter === "" ? undefined : visibleForFilter(known, filter);
  const rows: TreeRow[] = [];
  const walk = (path: string, depth: number) => {
    if (visible && !visible.has(path)) return;
    const kids = (children.get(path) ?? []).sort();
    const collapsed = !visible && options.collapsed.has(path);
    rows.push({
      path,
      name: path === "/" ? "/" : path.slice(path.lastIndexOf("/") + 1),
      depth,
      hasChildren: kids.length > 0,
      collapsed,
      exists: paths.has(path),
      match: visible !== undefined && path.toLowerCase().includes(filter),
    });
    if (!collapsed) for (const kid of kids) walk(kid, depth + 1);
  };
  if (paths.size > 0) walk("/", 0);
  return rows;
}

function parentOf(path: string): string | undefined {
  if (path === "/") return undefined;
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

function visibleForFilter(paths: ReadonlySet<string>, filter: string): Set<string> {
  const visible = new Set<string>();
  for (const path of paths) {
    if (!path.toLowerCase().includes(filter)) continue;
    for (let at: string | undefined = path; at !== undefined && !visible.has(at); at = parentOf(at)) visible.add(at);
  }
  return visible;
}
