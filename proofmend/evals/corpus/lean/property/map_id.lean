def lmap (f : α → β) : List α → List β
  | [] => []
  | x :: xs => f x :: lmap f xs

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem lmap_id (xs : List α) : lmap (fun x => x) xs = xs := sorry
