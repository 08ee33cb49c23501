def replicate : Nat → α → List α
  | 0, _ => []
  | n+1, a => a :: replicate n a

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem len_replicate (n : Nat) (a : α) : len (replicate n a) = n := sorry
