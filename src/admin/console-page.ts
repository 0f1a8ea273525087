// The console page: plain HTML and a script (no framework for a few panels).
export const CONSOLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>presence console</title></head>
<body><h1>presence console</h1><script src="/console/console.js"></script></body></html>`;
export const CONSOLE_SCRIPT = ``;
