def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem len_app (xs ys : List α) : len (app xs ys) = len xs + len ys := sorry
