import { builtinModules } from 'node:module';
import ts from 'typescript';

/**
 * The packages a JavaScript or declaration file imports, by package name: `require("x")`,
 * `import … from "x"`, `export … from "x"`, `import("x")` (also as a type). TypeScript's
 * own pre-processor reads the file, so comments and strings are not mistaken for imports.
 * Relative paths and Node built-ins are left out.
 */
export function importedPackages(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const packages = new Set<string>();
  for (const { fileName } of importedFiles) {
    const name = packageNameOf(fileName);
    if (name) packages.add(name);
  }
  return [...packages].sort();
}

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`; undefined for relative paths and built-ins. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** How a package's `dependencies` differ from what its code imports, as readable problems. */
export function dependencyProblems(dependencies: string[], imported: string[]): string[] {
  const declared = new Set(dependencies);
  const used = new Set(imported);
  return [
    ...imported.filter(name => !declared.has(name)).map(name => `imports ${name}, which is not in "dependencies"`),
    ...dependencies.filter(name => !used.has(name)).map(name => `"dependencies" lists ${name}, which no code imports`),
  ];
}
