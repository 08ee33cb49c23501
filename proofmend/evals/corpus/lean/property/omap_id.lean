def omap (f : α → β) : Option α → Option β
  | none => none
  | some a => some (f a)

def obind : Option α → (α → Option β) → Option β
  | none, _ => none
  | some a, f => f a

theorem omap_id (o : Option α) : omap (fun x => x) o = o := sorry
