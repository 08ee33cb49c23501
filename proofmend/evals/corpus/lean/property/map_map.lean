def lmap (f : α → β) : List α → List β
  | [] => []
  | x :: xs => f x :: lmap f xs

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem lmap_lmap (f : α → β) (g : β → γ) (xs : List α) : lmap g (lmap f xs) = lmap (fun x => g (f x)) xs := sorry
