import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/** What Express hands a view engine: the render's locals plus its `settings` and `cache`. */
type RenderOptions = Record<string, unknown> & { cache?: boolean };
type Escape = (markup: unknown) => string;
type Include = (file: string, data?: Record<string, unknown>) => string;
type Rethrow = (error: Error, lines: string, file: string, line: number, escape: Escape) => never;
type Compiled = (locals: Record<string, unknown>, escapeFn: Escape, include: Include, rethrow: Rethrow) => string;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Names the compiled function itself uses, and words that cannot be a binding. */
const NOT_BINDABLE = new Set([
  'locals', 'include', 'escapeFn', 'rethrow', 'arguments', 'eval', 'undefined', 'await', 'break', 'case', 'catch', 'class',
  'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for',
  'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private',
  'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield',
]);

/** Names a template declares itself (`const title = ...`, `const { a, b } = ...`): they must not be bound from the locals too. */
function declaredNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b(?:const|let|var|function)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of text.matchAll(/\b(?:const|let|var)\s*[{[]([^}\]]*)[}\]]/g)) {
    for (const part of m[1]!.split(',')) {
      const name = /([A-Za-z_$][\w$]*)\s*(?:=.*)?$/.exec(part.trim())?.[1];
      if (name) names.add(name);
    }
  }
  return names;
}

/** EJS's own error context (file, line, the lines around it), as ejs.renderFile reports it. */
const rethrow: Rethrow = (error, lines, file, line, escape) => {
  const all = lines.split('\n');
  const start = Math.max(line - 3, 0);
  const context = all
    .slice(start, Math.min(all.length, line + 3))
    .map((text, i) => `${i + start + 1 === line ? ' >> ' : '    '}${i + start + 1}| ${text}`)
    .join('\n');
  error.message = `${escape(file)}:${line}\n${context}\n\n${error.message}`;
  throw error;
};

/** Where EJS finds an include: next to the including template, else in the views directories. */
function includePath(from: string, name: string, settings: { views?: string | string[] } | undefined): string {
  const withExtension = (p: string) => p + (path.extname(name) ? '' : '.ejs');
  const beside = withExtension(path.resolve(path.dirname(from), name));
  if (existsSync(beside)) return beside;
  for (const dir of [settings?.views ?? []].flat()) {
    const inViews = withExtension(path.resolve(dir, name));
    if (existsSync(inViews)) return inViews;
  }
  throw new Error(`Could not find the include file "${name}"`);
}

interface Source {
  readonly text: string;
  /** The body EJS generates for the template (its parser, its escaping, its `include`). */
  readonly body: string;
  readonly declared: Set<string>;
}

function readSource(file: string, debug: boolean): Source {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const template = new ejs.Template(text, { filename: file, compileDebug: debug, _with: false }) as ejs.Template & { generateSource(): void };
  template.generateSource();
  return { text, body: template.source, declared: declaredNames(text) };
}

/**
 * Binds the locals a render passes as the function's own variables instead of EJS's default
 * `with (locals) { ... }`, in which V8 looks up every name of the template at run time (that
 * lookup was about half of the list page's render time). A name a render does not pass is not
 * bound, so it fails as it would inside `with`; templates read optional ones as `locals.x`.
 */
function compile(file: string, source: Source, keys: readonly string[], debug: boolean): Compiled {
  const names = keys.filter((k) => IDENTIFIER.test(k) && !k.startsWith('__') && !NOT_BINDABLE.has(k) && !source.declared.has(k));
  const head = ['let __output = "";', 'function __append(s) { if (s !== undefined && s !== null) __output += s }'];
  // `let`: inside `with` a template may assign to a local, and still may.
  if (names.length) head.push(`let { ${names.join(', ')} } = locals;`);
  const body = debug
    ? `let __line = 1;\nconst __lines = ${JSON.stringify(source.text)}, __filename = ${JSON.stringify(file)};\n` +
      `try {\n${source.body}\n} catch (e) {\n  rethrow(e, __lines, __filename, __line, escapeFn);\n}`
    : source.body;
  // Compiling a template is what a view engine does (EJS does the same).
  return new Function('locals, escapeFn, include, rethrow', `${head.join('\n')}\n${body}\nreturn __output;\n//# sourceURL=${file}`) as Compiled;
}

/**
 * The views' engine for Express: EJS templates (EJS's parser and escaping) compiled once per
 * template and set of local names when Express caches views (production), with `include`
 * paths resolved once, instead of a file-system check on every include of every render.
 * Without the view cache (development, tests) every render reads and compiles afresh, with
 * EJS's line numbers in errors.
 */
export function viewEngine(): (file: string, options: object, done: (error: unknown, html?: string) => void) => void {
  const sources = new Map<string, Source>();
  const compiled = new Map<string, Compiled>();
  const includes = new Map<string, string>();

  function renderFile(file: string, data: Record<string, unknown>, cache: boolean): string {
    const debug = !cache;
    // Like EJS: the template sees the locals without their prototype chain (no polluted gadgets).
    const locals = Object.assign(Object.create(null) as Record<string, unknown>, data);
    const keys = Object.keys(locals);
    let fn: Compiled | undefined;
    if (cache) {
      const id = `${file}\n${keys.join(',')}`;
      fn = compiled.get(id);
      if (!fn) {
        let source = sources.get(file);
        if (!source) sources.set(file, (source = readSource(file, debug)));
        compiled.set(id, (fn = compile(file, source, keys, debug)));
      }
    } else {
      fn = compile(file, readSource(file, debug), keys, debug);
    }
    const include: Include = (name, includeData) => {
      const key = `${file}\n${name}`;
      let target = cache ? includes.get(key) : undefined;
      if (!target) {
        target = includePath(file, name, locals.settings as { views?: string | string[] } | undefined);
        if (cache) includes.set(key, target);
      }
      return renderFile(target, includeData ? { ...locals, ...includeData } : locals, cache);
    };
    return fn(locals, ejs.escapeXML as Escape, include, rethrow);
  }

  return (file, options, done) => {
    let html: string;
    try {
      html = renderFile(file, options as RenderOptions, (options as RenderOptions).cache === true);
    } catch (error) {
      return done(error);
    }
    done(null, html);
  };
}
