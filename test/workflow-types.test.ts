// `tsc -p tsconfig.workflows.json` keeps Node's globals out of workflow code only while no
// file it reaches pulls Node's types in: one import of an activity's implementation (Prisma,
// nodemailer) once did, and the check went on passing with `Buffer` and `process` in scope.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');
const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');

function workflowProgram() {
  const configFile = path.join(root, 'tsconfig.workflows.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configFile);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const ours = program.getSourceFiles().filter((f) => !relative(f.fileName).startsWith('node_modules/'));
  return { roots: parsed.fileNames.map(relative), files: program.getSourceFiles().map((f) => relative(f.fileName)), ours };
}

/**
 * What in a module's top level could hold state that one run leaves for the next: the worker
 * evaluates the workflow modules once and shares them between runs (`WORKFLOW_BUNDLE`,
 * worker/create-worker.ts). The SDK deep-freezes their exports, which stops a run assigning to
 * an exported object but not a `let` it reassigns or a collection it adds to.
 */
function moduleStateIn(file: ts.SourceFile): string[] {
  const where = (node: ts.Node) => `${relative(file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const found: string[] = [];
  for (const statement of file.statements) {
    if (ts.isExpressionStatement(statement)) found.push(`${where(statement)} runs code at load`);
    if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        const isStatic = ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static;
        const isReadonly = ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Readonly;
        if (ts.isPropertyDeclaration(member) && isStatic && !isReadonly) found.push(`${where(member)} a static field that is not readonly`);
      }
    }
    if (!ts.isVariableStatement(statement)) continue;
    if (!(statement.declarationList.flags & ts.NodeFlags.Const)) found.push(`${where(statement)} a top-level let or var`);
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      const collection = init && ts.isNewExpression(init) && /^(Map|Set|WeakMap|WeakSet|Array)$/.test(init.expression.getText(file));
      if (collection && !declaration.type?.getText(file).startsWith('Readonly')) found.push(`${where(declaration)} a collection not typed Readonly`);
    }
  }
  return found;
}

// One program for both checks: building it reads and parses every file the workflows reach.
const { roots, files, ours } = workflowProgram();

describe('The workflows type check', () => {
  it('When it runs, then every workflow file is one of its roots', () => {
    const workflowFiles = fs
      .readdirSync(path.join(root, 'workflows'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `workflows/${name}`);
    expect(roots).toEqual(expect.arrayContaining(workflowFiles));
  });

  it("When it runs, then none of Node's types reach it", () => {
    expect(files.filter((file) => file.includes('/@types/node/'))).toEqual([]);
  });

  it('When it runs, then the workflows reach nothing outside workflows/ and domain/ but the Node-free contracts they are meant to import', () => {
    const elsewhere = files.filter((file) => !file.startsWith('node_modules/') && !/^(workflows|domain)\//.test(file)).sort();
    expect(elsewhere).toEqual(['activities/contract.ts', 'config/search-attributes.ts']);
  });
});

describe('The workflow modules every run shares', () => {
  it('When the worker shares them between runs, then none of them keeps state at its top level', () => {
    expect(ours.length).toBeGreaterThan(20);
    expect(ours.flatMap(moduleStateIn)).toEqual([]);
  });

  it("When the tests build their bundle, then it preloads the workflows as the service's worker does", () => {
    const code = fs.readFileSync(process.env.WORKFLOW_BUNDLE_PATH!, 'utf8');
    expect(code).toMatch(/function preloadModules\(\) \{\s*__webpack_require__\([^)]*"\.\/workflows\/index\.ts"\);\s*\}/);
  });

  it('When a module keeps state at its top level, then the check names where', () => {
    const source = ts.createSourceFile(
      path.join(root, 'workflows/example.ts'),
      [
        'let seq = 0;',
        'const seen = new Set<string>();',
        'const kinds: ReadonlySet<string> = new Set();',
        'register();',
        'class Counter { static count = 0; static readonly max = 1; }',
      ].join('\n'),
      ts.ScriptTarget.ES2022,
      true,
    );
    expect(moduleStateIn(source)).toEqual([
      'workflows/example.ts:1 a top-level let or var',
      'workflows/example.ts:2 a collection not typed Readonly',
      'workflows/example.ts:4 runs code at load',
      'workflows/example.ts:5 a static field that is not readonly',
    ]);
  });
});
