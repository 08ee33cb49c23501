def omap (f : α → β) : Option α → Option β
  | none => none
  | some a => some (f a)

def obind : Option α → (α → Option β) → Option β
  | none, _ => none
  | some a, f => f a

theorem omap_comp (f : α → β) (g : β → γ) (o : Option α) : omap g (omap f o) = omap (fun x => g (f x)) o := sorry
