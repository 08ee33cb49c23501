def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem app_assoc (xs ys zs : List α) : app (app xs ys) zs = app xs (app ys zs) := sorry
