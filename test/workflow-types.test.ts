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
  return { roots: parsed.fileNames.map(relative), files: program.getSourceFiles().map((f) => relative(f.fileName)) };
}

describe('The workflows type check', () => {
  const { roots, files } = workflowProgram();

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
