// Renders LaTeX with KaTeX for pages/math.py: one process per build (kept alive during
// `mkdocs serve`). Protocol: one JSON request per line on stdin,
//   {"items": [{"tex": "...", "display": false}, ...]}
// and one JSON answer per line on stdout, in the same order,
//   {"results": [{"html": "..."} | {"error": "..."}, ...]}
import readline from "node:readline";
import katex from "katex";

const OPTIONS = {
  throwOnError: true, // an unknown command is an error, never red text on the page
  strict: "error", // non-LaTeX input (e.g. Unicode in math mode) is an error too
  output: "htmlAndMathml", // HTML for the eye, MathML for screen readers
  trust: false,
};

function render(item) {
  try {
    return { html: katex.renderToString(item.tex, { ...OPTIONS, displayMode: Boolean(item.display) }) };
  } catch (error) {
    return { error: String(error.message || error) };
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  process.stdout.write(JSON.stringify({ results: request.items.map(render) }) + "\n");
});
