/**
 * splitCommand: the words of a command line typed into the page, split as a person who writes shell commands
 * expects — blanks separate words, '…' keeps everything inside as it is, "…" too except that \" and \\ stand for
 * " and \, and outside quotes a backslash before a blank, a quote or a backslash keeps that one character (any
 * other backslash is itself, so C:\tools\server.exe stays whole). Nothing is expanded ($VAR, ~, *): the words are
 * shown to the person, one by one, and run exactly as shown. An unclosed quote is an error, before anything runs.
 */
export function splitCommand(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return { error: "a ' quote is not closed" };
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= line.length) return { error: 'a " quote is not closed' };
        const d = line[i]!;
        if (d === '"') break;
        if (d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) word += line[++i];
        else word += d;
      }
    } else if (c === "\\" && i + 1 < line.length && /[\s'"\\]/.test(line[i + 1]!)) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { words };
}
