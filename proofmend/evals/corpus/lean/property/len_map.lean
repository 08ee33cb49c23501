def lmap (f : α → β) : List α → List β
  | [] => []
  | x :: xs => f x :: lmap f xs

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem len_lmap (f : α → β) (xs : List α) : len (lmap f xs) = len xs := sorry
