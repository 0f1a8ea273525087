// The catalogue of cases as Markdown: one table per family with what each case
// checks and the rule it cites. docs/conformance.md holds its output.
interface CatalogueFamily {
  name: string;
  cases: readonly { id: string; title: string; rule: string; needs?: string }[];
}

/** What a case needs from the command line, by requirement name. */
const OPTION_FOR: Record<string, string> = {
  switchOffUrl: "--switch-off-url",
  basicPlanUrl: "--basic-plan-url",
  friends: "--friends",
  expiredToken: "--secret",
};

export function formatCatalogue(sections: readonly { heading: string; families: readonly CatalogueFamily[] }[]): string {
  const lines: string[] = [];
  for (const { heading, families } of sections) {
    lines.push(`### ${heading}`, "");
    for (const family of families) {
      lines.push(`#### ${family.name}`, "", "| case | checks | rule |", "| --- | --- | --- |");
      for (const c of family.cases) {
        const needs = c.needs ? ` (needs \`${OPTION_FOR[c.needs] ?? c.needs}\`)` : "";
        lines.push(`| \`${c.id}\` | ${c.title}${needs} | ${c.rule} |`);
      }
      lines.push("");
    }
  }
  return lines.join("\n");
}
