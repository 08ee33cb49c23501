def omap (f : α → β) : Option α → Option β
  | none => none
  | some a => some (f a)

def obind : Option α → (α → Option β) → Option β
  | none, _ => none
  | some a, f => f a

theorem omap_as_obind (f : α → β) (o : Option α) : omap f o = obind o (fun a => some (f a)) := sorry
