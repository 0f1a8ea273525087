// Which cases a run includes: --case ID names a case, or every case whose id starts with ID.

export function isSelected(caseId: string, only: readonly string[] | undefined): boolean {
  return !only || only.some((id) => caseId === id || caseId.startsWith(id));
}

/** The selected cases of `families`, in order, each with its family's name. */
export function selectCases<C extends { id: string }>(families: readonly { name: string; cases: readonly C[] }[], only: readonly string[] | undefined): { family: string; spec: C }[] {
  return families.flatMap((family) => family.cases.filter((c) => isSelected(c.id, only)).map((spec) => ({ family: family.name, spec })));
}
