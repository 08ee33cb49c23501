def count (p : α → Bool) : List α → Nat
  | [] => 0
  | x :: xs => if p x then count p xs + 1 else count p xs

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem count_split (p : α → Bool) (xs : List α) : count p xs + count (fun x => !p x) xs = len xs := sorry
