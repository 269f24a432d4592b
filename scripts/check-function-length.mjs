#!/usr/bin/env node
// Lists every function, arrow function, method and accessor longer than --max lines (default 80) in the TypeScript
// files under the given paths, and exits non-zero when there is one. A function's length counts from the line of
// its first token to the line of its closing brace, both included.
// Usage: node scripts/check-function-length.mjs [--max 80] local bench scripts/soak.ts
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

function parseArgs(argv) {
  let max = 80
  const paths = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--max') max = Number(argv[++i])
    else if (arg.startsWith('--max=')) max = Number(arg.slice('--max='.length))
    else paths.push(arg)
  }
  if (!Number.isInteger(max) || max < 1) throw new Error('--max must be a positive integer')
  return { max, paths: paths.length > 0 ? paths : ['.'] }
}

function tsFiles(path) {
  if (statSync(path).isFile()) return /\.m?ts$/.test(path) ? [path] : []
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .flatMap((entry) => tsFiles(join(path, entry.name)))
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text
  if (node.name) return node.name.getText()
  const parent = node.parent
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText()
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  return '<anonymous>'
}

function longFunctions(file, max) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found = []
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1
      const lines = end - start + 1
      if (lines > max) found.push({ file, name: functionName(node), start, lines })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const { max, paths } = parseArgs(process.argv.slice(2))
const offenders = paths.flatMap(tsFiles).flatMap((file) => longFunctions(file, max))
for (const { file, name, start, lines } of offenders) {
  console.log(`  ${relative(process.cwd(), file)}:${start} ${name} (${lines} lines)`)
}
console.log(`function length: ${offenders.length} function(s) over ${max} lines`)
process.exit(offenders.length === 0 ? 0 : 1)
